/* rules.c — STUB until the YAML loader lands. */
#include <stdlib.h>
#include "rules_model.h"
#include "alloc.h"
