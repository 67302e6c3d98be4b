#ifndef USERLLM_COPENBLAS_SHIM_H
#define USERLLM_COPENBLAS_SHIM_H
// Debian's libopenblas-dev installs cblas.h through the alternatives system.
#include <cblas.h>
// Declared here as well because some cblas.h builds omit the OpenBLAS extensions.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
// The Tensor target's other C need: glibc's allocator tuning (see Storage.heapReuse).
#include <malloc.h>
#endif
