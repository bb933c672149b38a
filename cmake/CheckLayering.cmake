cmake_minimum_required(VERSION 3.25)
# Fails when a file under src/<component>/ includes a header of a component it may not use.
# Run as: cmake -DSRC=<path to src> -P CheckLayering.cmake
#
# The rule (docs/architecture.md): cli -> cloud/station/sim -> exchange/access/net/storage/crypto/
# analytics -> protocol -> core. Within the middle tier, exchange may use crypto, net and storage (it
# packs, signs and ships batches) and access may use crypto, storage and net (accounts, audit
# chain, field encryption, and the HTTP glue the station and the cloud share); the others stay
# independent.
# Boost.Asio/Beast may appear only in net and the layers above it, never in core or protocol, which
# stay pure.
set(allowed_core "core")
set(allowed_protocol "core;protocol")
set(allowed_crypto "core;protocol;crypto")
set(allowed_storage "core;protocol;storage")
set(allowed_net "core;protocol;net")
set(allowed_analytics "core;protocol;analytics")
set(allowed_access "core;protocol;crypto;storage;net;access")
set(allowed_exchange "core;protocol;crypto;storage;net;analytics;exchange")
set(lower "core;protocol;crypto;storage;net;analytics;exchange;access")
set(allowed_sim "${lower};sim")
set(allowed_station "${lower};station")
set(allowed_cloud "${lower};cloud")
set(allowed_cli "${lower};sim;station;cloud;cli")
set(components core protocol crypto storage net analytics exchange access sim station cloud cli)
set(pure core protocol)

set(violations "")
foreach(comp IN LISTS components)
  file(GLOB_RECURSE files "${SRC}/${comp}/*.hpp" "${SRC}/${comp}/*.cpp")
  foreach(f IN LISTS files)
    file(STRINGS "${f}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<]")
    foreach(line IN LISTS lines)
      if(line MATCHES "#[ \t]*include[ \t]*[\"<]([a-z_]+)/")
        set(target_comp "${CMAKE_MATCH_1}")
        if(target_comp IN_LIST components AND NOT target_comp IN_LIST allowed_${comp})
          list(APPEND violations "${f}: '${comp}' may not include '${target_comp}': ${line}")
        endif()
      endif()
      if(comp IN_LIST pure AND line MATCHES "boost/asio|boost/beast|sqlite3\\.h|libpq-fe\\.h")
        list(APPEND violations "${f}: '${comp}' is pure (no I/O); it may not include: ${line}")
      endif()
    endforeach()
  endforeach()
endforeach()

if(violations)
  list(JOIN violations "\n  " msg)
  message(FATAL_ERROR "Layering violations (dependencies must point downward):\n  ${msg}")
endif()
