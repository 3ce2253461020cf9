// The point sprites of particles.glsl drawn without the rasteriser, for software renderers
// (llvmpipe), which pay about 0.2 microseconds per point primitive however small: each
// invocation places one particle with `particle_at` and adds its glow, at the centre of every
// pixel its sprite covers, into integer sums. Integer atomics make the sums the same whatever
// order the invocations run in, so frames stay reproducible. resolve.glsl then adds them to
// the frame.
//
// Each pixel has `layers` sums of packed RGB (red bits 0-10 and green 11-21 up to 16x full
// brightness, blue 22-31 up to 8x, in steps of 1/STEPS); a particle adds to layer
// (slot % layers), one layer per 125,000 particles drawn: with 250,000 live particles the
// hottest pixel's red reaches 10x full brightness per layer. Should a channel still pass its
// limit it wraps round (adding one step to the next channel), but the other layers, which
// hold an even share of the same particles, are as bright, so the pixel stays saturated.

#include "particles/life.glsl"
#if defined COMPUTE_SHADER

layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer Particles { float records[]; };  // PARTICLE
layout(std430, binding = 1) buffer Sums { uint sums[]; };  // layers x height x width

uniform uint first;       // the ring slots [first, first + count) are drawn
uniform uint count;
uniform uint layers;
uniform ivec2 frame_size;

void main() {
    uint slot = first + gl_GlobalInvocationID.x;
    if (gl_GlobalInvocationID.x >= count) {
        return;
    }
    uint base = slot * RECORD_FLOATS;
    vec4 start = vec4(records[base], records[base + 1u], records[base + 2u], records[base + 3u]);
    vec4 velocity = vec4(records[base + 4u], records[base + 5u], records[base + 6u],
                         records[base + 7u]);
    vec3 colour = unpackUnorm4x8(floatBitsToUint(records[base + 8u])).rgb;
    vec2 life = vec2(records[base + 9u], records[base + 10u]);
    vec4 clip;
    float size, brightness;
    if (!particle_at(start, velocity, life, clip, size, brightness)) {
        return;
    }
    if (any(greaterThan(abs(clip.xyz), vec3(clip.w)))) {
        return;  // a point whose centre is outside the clip volume is not drawn
    }
    vec2 centre = (clip.xy / clip.w * 0.5 + 0.5) * vec2(frame_size);
    float radius = size * 0.5;
    vec3 light = colour * brightness * float(STEPS);
    // the pixels whose centres lie in the sprite's square, as the rasteriser picks them
    ivec2 low = max(ivec2(ceil(centre - radius - 0.5)), ivec2(0));
    ivec2 high = min(ivec2(floor(centre + radius - 0.5)), frame_size - 1);
    uint layer = (slot % layers) * uint(frame_size.x * frame_size.y);
    for (int y = low.y; y <= high.y; y++) {
        for (int x = low.x; x <= high.x; x++) {
            float glow = glow_at((vec2(x, y) + 0.5 - centre) / radius);
            uvec3 amount = uvec3(light * glow + 0.5);
            if (amount != uvec3(0u)) {
                atomicAdd(sums[layer + uint(y * frame_size.x + x)],
                          amount.r | (amount.g << 11) | (amount.b << 22));
            }
        }
    }
}
#endif
