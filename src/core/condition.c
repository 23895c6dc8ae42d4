/* condition.c — STUB until the condition parser lands. */
#include "rules_model.h"
