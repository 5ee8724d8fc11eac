#!/bin/sh
# Makes the demo and test media with ffmpeg's lavfi sources: nothing is downloaded, nothing is committed.
# Usage: Scripts/demo-media.sh DIR [VOICE_SECONDS]
set -eu
dir="$1"
voice_seconds="${2:-60}"
ffmpeg="${MIXDOWN_FFMPEG:-ffmpeg}"
mkdir -p "$dir"
run() { "$ffmpeg" -hide_banner -nostdin -loglevel error -y "$@"; }

# A "voice": a 180 Hz buzz shaped into syllables and phrases, over 50 Hz hum and a noise floor,
# with 1.5 s of near-silence at the start so trim and trim_silence have something to do.
run -f lavfi -i "aevalsrc='if(lt(t,1.5),0,0.35*sin(2*PI*180*t)*(0.55+0.45*sin(2*PI*3.1*t))*gt(sin(2*PI*0.23*t),-0.6)+0.05*sin(2*PI*360*t))':s=48000:d=${voice_seconds}" \
    -f lavfi -i "anoisesrc=c=pink:a=0.01:r=48000:d=${voice_seconds}" \
    -f lavfi -i "sine=f=50:r=48000:d=${voice_seconds}" \
    -filter_complex "[2:a]volume=0.03[hum];[0:a][1:a][hum]amix=inputs=3:normalize=0,aformat=channel_layouts=mono" \
    -c:a pcm_s16le "$dir/voice.wav"
# Intro and outro chimes.
run -f lavfi -i "sine=f=880:r=44100:d=4" -af "volume=-12dB,afade=t=in:d=0.2,afade=t=out:st=2.5:d=1.5,aformat=channel_layouts=stereo" -c:a pcm_s16le "$dir/intro.wav"
run -f lavfi -i "sine=f=660:r=44100:d=3" -af "volume=-12dB,afade=t=in:d=0.2,afade=t=out:st=1.5:d=1.5,aformat=channel_layouts=stereo" -c:a pcm_s16le "$dir/outro.wav"
# A music bed: a tremolo chord, 25 s, meant to be looped under the voice.
run -f lavfi -i "aevalsrc='0.12*(sin(2*PI*220*t)+sin(2*PI*277.2*t)+sin(2*PI*329.6*t))*(0.7+0.3*sin(2*PI*0.5*t))|0.12*(sin(2*PI*220*t)+sin(2*PI*277.2*t)+sin(2*PI*329.6*t))*(0.7+0.3*sin(2*PI*0.5*t+1))':s=48000:d=25" \
    -c:a pcm_s16le "$dir/bed.wav"
# Cover art for render backgrounds.
run -f lavfi -i "gradients=s=1280x720:c0=0x1d2b53:c1=0x7e2553:x0=0:y0=0:x1=1280:y1=720:d=1" -frames:v 1 "$dir/cover.png"
# Captions.
cat > "$dir/episode.srt" <<'SRT'
1
00:00:01,000 --> 00:00:04,000
Welcome to the Mixdown demo.

2
00:00:05,000 --> 00:00:09,000
Every word here was drawn by ffmpeg.
SRT
echo "$dir"
