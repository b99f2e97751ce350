# CMake toolchain file: bare-metal Arm (Cortex-M) with Debian's gcc-arm-none-eabi and newlib.
# Usage: cmake -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake ...
# The CPU flags are not set here; the project that uses this file picks them (see
# targets/cortex-m4/CMakeLists.txt), so one toolchain file serves every Cortex-M variant.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(EVC_ARM_TRIPLE arm-none-eabi)
find_program(CMAKE_C_COMPILER ${EVC_ARM_TRIPLE}-gcc REQUIRED)
find_program(CMAKE_CXX_COMPILER ${EVC_ARM_TRIPLE}-g++ REQUIRED)
find_program(CMAKE_ASM_COMPILER ${EVC_ARM_TRIPLE}-gcc REQUIRED)
find_program(CMAKE_OBJCOPY ${EVC_ARM_TRIPLE}-objcopy REQUIRED)
find_program(CMAKE_SIZE ${EVC_ARM_TRIPLE}-size REQUIRED)

# No OS to run a test executable on during try_compile: build a static library instead.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# Libraries and headers come from the cross sysroot only; programs from the host.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
