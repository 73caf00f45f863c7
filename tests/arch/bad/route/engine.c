#include "store/store.h"
#include <uv.h>
