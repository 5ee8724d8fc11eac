#ifndef MIXDOWN_DSP_H
#define MIXDOWN_DSP_H

#include <stddef.h>

/// Copies `frames` interleaved frames of `channels` samples into `planar`, channel after channel
/// (`planar[c * frames + f] = interleaved[f * channels + c]`). Returns 0 when every sample is finite,
/// -1 at the first NaN or infinity (`planar` is then partly written).
int mixdown_deinterleave_finite(const float *interleaved, float *planar, size_t frames, size_t channels);

/// One channel's true-peak meter (ITU-R BS.1770-4 Annex 2): the samples oversampled 4x below 96 kHz,
/// 2x below 192 kHz, and not at all above, through the same 49-tap windowed-sinc interpolator
/// libebur128 uses, computed phase by phase over whole blocks so the compiler vectorises it.
typedef struct mixdown_true_peak mixdown_true_peak;

/// NULL when memory runs out or the rate is 0.
mixdown_true_peak *mixdown_true_peak_create(unsigned long sample_rate);
void mixdown_true_peak_destroy(mixdown_true_peak *meter);
/// Feeds `count` consecutive samples of the channel; the filter's history carries over between calls.
void mixdown_true_peak_add(mixdown_true_peak *meter, const float *samples, size_t count);
/// The largest absolute value seen, oversampled or not (a true peak is never below the sample peak); linear.
double mixdown_true_peak_value(const mixdown_true_peak *meter);
/// The largest absolute sample value seen; linear.
double mixdown_sample_peak_value(const mixdown_true_peak *meter);

#endif
