#pragma once
// The engine's serving API (sparq/engine/serving.h) as Qt code includes it: its structs may name
// a member `slots` (ServeResult's token slots), which Qt's keyword macro of that name would
// rewrite, so the macro is lifted around the include. Qt code includes this, not serving.h.
#pragma push_macro("slots")
#undef slots
#include "sparq/engine/serving.h"
#pragma pop_macro("slots")
