#pragma once
// SWARM_API marks what libswarm exports: the library is built with
// -fvisibility=hidden, so a declaration of include/swarm/ without it is not part of the
// ABI. Classes, free functions and the out-of-line members of the public headers carry
// it; inline functions and templates need not.

#if defined(SWARM_BUILDING_LIBRARY)
#define SWARM_API __attribute__((visibility("default")))
#else
#define SWARM_API
#endif
