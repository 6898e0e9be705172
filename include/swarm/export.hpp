#pragma once
// SWARM_API marks what libswarm exports: the library is built with
// -fvisibility=hidden, so a declaration of include/swarm/ without it is not part of the
// ABI. Classes, free functions and the out-of-line members of the public headers carry
// it; inline functions and templates need not.
//
// SWARM_HIDDEN marks a class nested in an exported one that is not part of the ABI
// (engine::impl): a nested class takes its enclosing class's visibility otherwise.

#if defined(SWARM_BUILDING_LIBRARY)
#define SWARM_API __attribute__((visibility("default")))
#define SWARM_HIDDEN __attribute__((visibility("hidden")))
#else
#define SWARM_API
#define SWARM_HIDDEN
#endif
