/*
 * core.h — the one header other modules include to use mamori's core.
 *
 * Core is split into small headers by concern (each documents its own
 * ownership and threading rules); this header pulls in the public ones.
 */
#ifndef MM_CORE_H
#define MM_CORE_H

#include "core/error.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/time.h"
#include "core/hash.h"
#include "core/wallet.h"
#include "core/alert.h"
#include "core/catalogue.h"
#include "core/config.h"
#include "core/classify.h"
#include "core/engine.h"
#include "core/output.h"

#define MM_VERSION "0.1.0"

#include "core/sinks.h"
#include "core/store.h"
#include "core/walk.h"
#include "core/pool.h"
#include "core/scan.h"

#endif
