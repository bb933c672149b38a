# Every external dependency is found here, once. Package names and pitfalls:
# ../shared/notes/stack-and-style.md §2 and docs/architecture.md ("Dependencies").
# All come from Debian 12 packages installed by scripts/install-deps.sh.
find_package(Threads REQUIRED)
find_package(tl-expected REQUIRED)               # tl::expected (std::expected needs C++23 on g++ 12)
find_package(fmt REQUIRED)                       # fmt::fmt (libstdc++ 12 has no <format>)
find_package(Boost 1.81 CONFIG REQUIRED)         # Boost::headers: Asio 1.26 + Beast (not 1.74)
find_package(nlohmann_json 3.11 REQUIRED)        # nlohmann_json::nlohmann_json
find_package(spdlog REQUIRED)                    # spdlog::spdlog (compiled, external fmt)
find_package(CLI11 REQUIRED)                     # CLI11::CLI11
find_package(tomlplusplus REQUIRED)              # tomlplusplus::tomlplusplus (shared library)
find_package(SQLite3 REQUIRED)                   # SQLite::SQLite3
find_package(PostgreSQL REQUIRED)                # PostgreSQL::PostgreSQL (libpq 15)
find_package(OpenSSL 3 REQUIRED)                 # OpenSSL::Crypto OpenSSL::SSL (SM2/SM3/SM4)
find_package(PkgConfig REQUIRED)
pkg_check_modules(ARGON2 REQUIRED IMPORTED_TARGET libargon2)   # PkgConfig::ARGON2
# libxlsxwriter's .pc says "Version: 4" (the soname), so no version constraint.
pkg_check_modules(XLSXWRITER REQUIRED IMPORTED_TARGET xlsxwriter)  # PkgConfig::XLSXWRITER

if(OMNI_BUILD_TESTS)
  find_package(GTest REQUIRED)                   # GTest::gtest GTest::gmock
  include(GoogleTest)
endif()
if(OMNI_BUILD_BENCH)
  find_package(benchmark REQUIRED)               # benchmark::benchmark
endif()
