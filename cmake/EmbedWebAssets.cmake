# swarm_embed_web_assets(TARGET DIR): compiles every file of DIR (the dashboard's
# hand-written assets, web/) into TARGET as bytes, through a .cpp generated at build
# time by embed_web_assets.cmake (cmake -P; no xxd). Each asset gets its content type
# and an ETag from its content; service/http/web_assets.hpp declares the table. An edit
# of an asset (or of the script) regenerates the .cpp; a new or removed file is seen at
# the next build (CONFIGURE_DEPENDS).
function(swarm_embed_web_assets target dir)
  file(GLOB assets CONFIGURE_DEPENDS "${dir}/*")
  set(out "${CMAKE_CURRENT_BINARY_DIR}/generated/web_assets.cpp")
  set(script "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/embed_web_assets.cmake")
  add_custom_command(
    OUTPUT "${out}"
    COMMAND "${CMAKE_COMMAND}" "-DASSET_DIR=${dir}" "-DOUT=${out}" -P "${script}"
    DEPENDS ${assets} "${script}"
    COMMENT "Embedding the dashboard's assets (${dir})"
    VERBATIM)
  target_sources(${target} PRIVATE "${out}")
endfunction()
