# Fails with a clear message when DIR is missing (used to check node_modules before bundling).
if(NOT IS_DIRECTORY "${DIR}")
  message(FATAL_ERROR "${DIR} is missing: run scripts/install-deps.sh (it runs npm ci in web/)")
endif()
