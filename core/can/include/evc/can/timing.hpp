#pragma once
// The constants live in the one timing header of the core.
#include "evc/common/timing.hpp"
