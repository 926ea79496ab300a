# Generates the parity fixtures (tests/fixtures/parity/make_parity_fixtures.py) into OUT, the
# ctest fixture `parity_fixtures` that the parity tests require. Regenerates only when OUT is
# missing a file of the last run or the script changed (a stamp holds the script's SHA-256
# and the files it wrote). Fails with a clear message when PYTHON cannot import torch.
#
#   cmake -DPYTHON=/usr/bin/python3 -DSCRIPT=.../make_parity_fixtures.py -DOUT=... -P this
foreach(var PYTHON SCRIPT OUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "generate_fixtures.cmake needs -D${var}=...")
  endif()
endforeach()

set(stamp "${OUT}/.stamp")
file(SHA256 "${SCRIPT}" script_hash)
get_filename_component(parent "${OUT}" DIRECTORY)
file(MAKE_DIRECTORY "${parent}")
# Two ctest runs at once (several build dirs, several people) wait for each other here.
file(LOCK "${OUT}.lock" GUARD PROCESS TIMEOUT 1200)

function(up_to_date result)
  set(${result} FALSE PARENT_SCOPE)
  if(NOT EXISTS "${stamp}")
    return()
  endif()
  file(STRINGS "${stamp}" lines)
  list(POP_FRONT lines hash)
  if(NOT hash STREQUAL script_hash OR NOT lines)
    return()
  endif()
  foreach(f IN LISTS lines)
    if(NOT EXISTS "${OUT}/${f}")
      return()
    endif()
  endforeach()
  set(${result} TRUE PARENT_SCOPE)
endfunction()

up_to_date(fresh)
if(fresh)
  message(STATUS "parity fixtures in ${OUT} are up to date")
  return()
endif()

execute_process(COMMAND "${PYTHON}" -c "import torch, torchvision, onnx, numpy"
                RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the parity fixtures need Debian's python3-torch, python3-torchvision, "
                      "python3-onnx and python3-numpy for ${PYTHON} (scripts/setup-deps "
                      "installs them); importing them failed (${rc}):\n${err}")
endif()

set(tmp "${OUT}.tmp")
file(REMOVE_RECURSE "${tmp}")
string(TIMESTAMP t0 "%s%f")
execute_process(COMMAND "${PYTHON}" "${SCRIPT}" "${tmp}" RESULT_VARIABLE rc)
string(TIMESTAMP t1 "%s%f")
if(NOT rc EQUAL 0)
  file(REMOVE_RECURSE "${tmp}")
  message(FATAL_ERROR "${SCRIPT} failed (exit ${rc})")
endif()
file(GLOB_RECURSE written RELATIVE "${tmp}" "${tmp}/*")
list(SORT written)
list(PREPEND written "${script_hash}")
list(JOIN written "\n" stamp_text)
file(WRITE "${tmp}/.stamp" "${stamp_text}\n")
file(REMOVE_RECURSE "${OUT}")
file(RENAME "${tmp}" "${OUT}")
math(EXPR ms "(${t1} - ${t0}) / 1000")
message(STATUS "generated the parity fixtures in ${OUT} in ${ms} ms")
