# Dependency discovery for Debian 12 (bookworm) packages; see scripts/setup-deps.
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)

# CAF 0.17.6 ships neither a CMake config nor a pkg-config file.
find_path(CAF_INCLUDE_DIR caf/all.hpp REQUIRED)
find_library(CAF_CORE_LIBRARY NAMES caf_core REQUIRED)
if(NOT TARGET CAF::core)
  add_library(CAF::core UNKNOWN IMPORTED)
  set_target_properties(CAF::core PROPERTIES
    IMPORTED_LOCATION "${CAF_CORE_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES Threads::Threads)
endif()

find_package(SQLiteCpp 3.2 REQUIRED)          # target SQLiteCpp (no namespace)
find_package(Boost 1.81 REQUIRED CONFIG COMPONENTS json)
find_package(spdlog 1.10 REQUIRED)            # compiled spdlog::spdlog, external fmt
find_package(CLI11 2 REQUIRED)
# swarm.toml, read by the CLI only. Debian builds it as a shared library with
# exceptions (TOML_HEADER_ONLY=0), so including it costs little.
find_package(tomlplusplus 3 REQUIRED)        # tomlplusplus::tomlplusplus
# SHA-256 of agents' tokens (persistence/credentials.cpp): libcrypto only.
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
pkg_check_modules(CMARK REQUIRED IMPORTED_TARGET libcmark)
# The HTTP embedder; its .pc file also carries the CPPHTTPLIB_*_SUPPORT defines the
# Debian library was built with, which must match in every file including httplib.h.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
