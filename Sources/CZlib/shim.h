#ifndef USERLLM_CZLIB_SHIM_H
#define USERLLM_CZLIB_SHIM_H
#include <zlib.h>
#endif
