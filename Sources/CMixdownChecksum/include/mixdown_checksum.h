#ifndef MIXDOWN_CHECKSUM_H
#define MIXDOWN_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/// Advances a CRC-32 (ISO-HDLC) register over the longest prefix of `bytes` that the processor's
/// carry-less multiply can fold (a multiple of 16 bytes, at least 64), and returns how many bytes it
/// consumed: 0 when the processor has no such instruction or `count` is under 64. `register_` is the
/// bit-inverted register (zlib's value, inverted), as a table-driven loop keeps it.
size_t mixdown_crc32_fold(uint32_t *register_, const void *bytes, size_t count);

#endif
