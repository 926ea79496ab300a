# The TorchScript worker's sandbox (torch_worker/sandbox.h).
# sandbox_layers_test: the layers applied for real in forked children (every build that has
# libseccomp, sanitizers included: it does not need libtorch).
if(TARGET mv_torch_sandbox)
  add_executable(mv_security_sandbox_layers ${CMAKE_CURRENT_LIST_DIR}/sandbox_layers_test.cc)
  target_link_libraries(mv_security_sandbox_layers PRIVATE mv_torch_sandbox GTest::gtest_main
                        Threads::Threads)
  gtest_discover_tests(mv_security_sandbox_layers TEST_PREFIX security.
                       DISCOVERY_TIMEOUT 60 PROPERTIES LABELS security TIMEOUT 60)
endif()

# sandbox_torchscript_test.sh: a version whose TorchScript calls torch.from_file("/etc/passwd")
# uploaded beside an ONNX model: the parity check ends in the sandbox's refusal and no byte
# of the file reaches a report; then the same server on a kernel "without" namespaces and
# Landlock (an outer seccomp filter, mv_security_deny_sandbox) says "sandbox unavailable".
if(MV_BUILD_TORCH_WORKER)
  add_executable(mv_security_deny_sandbox ${CMAKE_CURRENT_LIST_DIR}/sandbox_deny_exec.cc)
  target_link_libraries(mv_security_deny_sandbox PRIVATE PkgConfig::SECCOMP)
  add_test(NAME security.sandbox_torchscript
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/sandbox_torchscript_test.sh
            $<TARGET_FILE:modelvault> ${MV_PARITY_FIXTURES_DIR}
            $<TARGET_FILE:mv_security_deny_sandbox>)
  set_tests_properties(security.sandbox_torchscript PROPERTIES LABELS security TIMEOUT 300
    FIXTURES_REQUIRED parity_fixtures)
endif()
