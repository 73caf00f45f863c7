#include "route/engine.h"
