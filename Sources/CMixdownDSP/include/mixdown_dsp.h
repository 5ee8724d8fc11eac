#ifndef MIXDOWN_DSP_H
#define MIXDOWN_DSP_H

#include <stddef.h>

/// Copies `frames` interleaved frames of `channels` samples into `planar`, channel after channel
/// (`planar[c * frames + f] = interleaved[f * channels + c]`). Returns 0 when every sample is finite,
/// -1 at the first NaN or infinity (`planar` is then partly written).
int mixdown_deinterleave_finite(const float *interleaved, float *planar, size_t frames, size_t channels);

#endif
