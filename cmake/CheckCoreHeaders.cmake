# Fails the build when a core source includes a platform header (DESIGN.md rule 1).
# Invoked as: cmake -DCORE_DIR=<dir> -DSTAMP=<file> -P CheckCoreHeaders.cmake
file(GLOB_RECURSE sources "${CORE_DIR}/*.hpp" "${CORE_DIR}/*.cpp" "${CORE_DIR}/*.h")
# Platform and OS headers, plus standard headers that reach the OS or allocate behind our back.
set(forbidden
  "esp_[a-z_0-9]*\\.h" "freertos/" "driver/" "nvs[a-z_]*\\.h" "sdkconfig\\.h"
  "unistd\\.h" "pthread\\.h" "sys/" "netinet/" "arpa/" "fcntl\\.h" "signal\\.h" "dirent\\.h"
  "libwebsockets\\.h" "openssl/" "<thread>" "<mutex>" "<chrono>" "<fstream>" "<iostream>"
  "<filesystem>" "<random>" "<ctime>" "time\\.h" "<future>" "<condition_variable>")
set(violations "")
foreach(src ${sources})
  if(src MATCHES "/test/")
    continue()  # unit tests run on the host and may use anything
  endif()
  file(STRINGS "${src}" lines REGEX "^[ \t]*#[ \t]*include")
  foreach(line ${lines})
    foreach(pat ${forbidden})
      if(line MATCHES "${pat}")
        list(APPEND violations "${src}: ${line}")
      endif()
    endforeach()
  endforeach()
endforeach()
if(violations)
  list(JOIN violations "\n  " msg)
  message(FATAL_ERROR "Platform header included in the portable core:\n  ${msg}")
endif()
file(WRITE "${STAMP}" "ok\n")
