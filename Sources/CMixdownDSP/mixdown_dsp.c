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

// True peak. libebur128's interpolator walks a ring buffer sample by sample with an index computation
// per tap; its true peak cost about five times the gated loudness. The same filter applied one
// polyphase branch at a time to a linear block is a run of multiply-adds the compiler vectorises.

#include <stdlib.h>
#include <string.h>

enum { TAPS = 49, MAX_FACTOR = 4, BLOCK = 4096, MAX_BRANCH = (TAPS + MAX_FACTOR - 1) };

struct mixdown_true_peak {
    unsigned factor;
    /// Taps per branch and, for each, its coefficient and how many samples back it reads.
    unsigned count[MAX_FACTOR];
    float coefficient[MAX_FACTOR][MAX_BRANCH];
    unsigned back[MAX_FACTOR][MAX_BRANCH];
    /// Samples kept from the previous block: the most any tap reads back.
    unsigned history;
    /// The most any branch can raise its input: the largest sum of one branch's |coefficients|.
    float gain;
    /// Largest absolute value among the oversampled values, and among the samples themselves.
    float peak;
    float sample_peak;
    /// [history samples of the previous block | this block], and one branch's output.
    float input[MAX_BRANCH + BLOCK];
    float output[BLOCK];
};

mixdown_true_peak *mixdown_true_peak_create(unsigned long sample_rate) {
    if (sample_rate == 0) return NULL;
    mixdown_true_peak *meter = calloc(1, sizeof(*meter));
    if (!meter) return NULL;
    meter->factor = sample_rate < 96000 ? 4 : sample_rate < 192000 ? 2 : 1;
    if (meter->factor == 1) return meter;
    for (unsigned j = 0; j < TAPS; j++) {
        // A sinc at the original rate's Nyquist under a Hann window, as libebur128 designs it.
        double m = (double)j - (double)(TAPS - 1) / 2.0;
        double c = 1.0;
        if (fabs(m) > 1e-6) c = sin(m * M_PI / meter->factor) / (m * M_PI / meter->factor);
        c *= 0.5 * (1 - cos(2 * M_PI * j / (TAPS - 1)));
        if (fabs(c) <= 1e-6) continue;
        unsigned branch = j % meter->factor;
        unsigned t = meter->count[branch]++;
        meter->coefficient[branch][t] = (float)c;
        meter->back[branch][t] = j / meter->factor;
        if (j / meter->factor > meter->history) meter->history = j / meter->factor;
    }
    for (unsigned branch = 0; branch < meter->factor; branch++) {
        float sum = 0;
        for (unsigned t = 0; t < meter->count[branch]; t++) sum += fabsf(meter->coefficient[branch][t]);
        if (sum > meter->gain) meter->gain = sum;
    }
    // Rounding in the sums of products stays far inside this margin.
    meter->gain *= 1.0001f;
    return meter;
}

void mixdown_true_peak_destroy(mixdown_true_peak *meter) { free(meter); }

static void add_block(mixdown_true_peak *meter, const float *samples, size_t count) {
    const unsigned history = meter->history;
    float *input = meter->input;
    memcpy(input + history, samples, count * sizeof(float));
    float peak = meter->peak;
    // No interpolated value can exceed the loudest sample it reads times the branch's gain: a block that
    // cannot pass the peak so far (most of a programme, once its loudest moment is met) is not
    // interpolated. The result is the same; only the work is skipped.
    float loudest = 0;
    for (size_t n = 0; n < history + count; n++) {
        float value = fabsf(input[n]);
        loudest = value > loudest ? value : loudest;
    }
    const unsigned branches = loudest * meter->gain > peak ? meter->factor : 0;
    for (unsigned branch = 0; branch < branches; branch++) {
        float *output = meter->output;
        memset(output, 0, count * sizeof(float));
        for (unsigned t = 0; t < meter->count[branch]; t++) {
            const float c = meter->coefficient[branch][t];
            const float *source = input + history - meter->back[branch][t];
            for (size_t n = 0; n < count; n++) output[n] += c * source[n];
        }
        for (size_t n = 0; n < count; n++) {
            float value = fabsf(output[n]);
            peak = value > peak ? value : peak;
        }
    }
    meter->peak = peak;
    // The block's last samples are the next block's history (zeros before the first block).
    memmove(input, input + count, history * sizeof(float));
}

void mixdown_true_peak_add(mixdown_true_peak *meter, const float *samples, size_t count) {
    float peak = meter->sample_peak;
    for (size_t n = 0; n < count; n++) {
        float value = fabsf(samples[n]);
        peak = value > peak ? value : peak;
    }
    meter->sample_peak = peak;
    if (meter->factor == 1) return;
    while (count > 0) {
        size_t take = count < BLOCK ? count : BLOCK;
        add_block(meter, samples, take);
        samples += take;
        count -= take;
    }
}

double mixdown_true_peak_value(const mixdown_true_peak *meter) {
    return meter->peak > meter->sample_peak ? meter->peak : meter->sample_peak;
}

double mixdown_sample_peak_value(const mixdown_true_peak *meter) { return meter->sample_peak; }
