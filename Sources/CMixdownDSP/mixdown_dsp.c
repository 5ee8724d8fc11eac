// The per-sample loop of metering, in C so that it runs at full speed in debug builds too: the
// tests measure real media, and a Swift loop at -Onone is some fifty times slower.
#include "mixdown_dsp.h"

#include <math.h>

int mixdown_deinterleave_finite(const float *interleaved, float *planar, size_t frames, size_t channels) {
    for (size_t channel = 0; channel < channels; channel++) {
        const float *source = interleaved + channel;
        float *target = planar + channel * frames;
        for (size_t frame = 0; frame < frames; frame++) {
            float sample = source[frame * channels];
            if (!isfinite(sample)) return -1;
            target[frame] = sample;
        }
    }
    return 0;
}
