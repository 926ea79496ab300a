# Writes OUT: a C++ file defining mv::schema::FUNCTION() as the contents of INPUT.
file(READ "${INPUT}" text)
# A raw string literal cannot hold its own delimiter; the document never contains this one.
file(WRITE "${OUT}.tmp" "// Generated from ${NAME} by schema/embed_text.cmake. Do not edit.\n#include \"schema/openapi.h\"\n\nnamespace mv::schema {\n\nconst char* ${FUNCTION}() {\n  return R\"mv_text(${text})mv_text\";\n}\n\n}  // namespace mv::schema\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
