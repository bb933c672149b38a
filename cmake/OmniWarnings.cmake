# Warning and sanitizer flags for project code only (third-party headers come in as SYSTEM).
add_library(omni_warnings INTERFACE)
target_compile_options(omni_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wimplicit-fallthrough)
if(OMNI_WERROR)
  target_compile_options(omni_warnings INTERFACE -Werror)
endif()

if(OMNI_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
