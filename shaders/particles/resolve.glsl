// The sums splat.glsl made, added to the frame (blended ONE, ONE like the sprites); one
// program per number of layers.
#include "common/fullscreen.glsl"
#if defined FRAGMENT_SHADER
layout(std430, binding = 1) readonly buffer Sums { uint sums[]; };
uniform ivec2 frame_size;
out vec4 color;

vec3 unpacked(uint sum) {
    return vec3(uvec3(sum & 2047u, (sum >> 11) & 2047u, sum >> 22));
}

void main() {
    ivec2 pixel = ivec2(gl_FragCoord.xy);
    uint index = uint(pixel.y * frame_size.x + pixel.x);
    uint layer = uint(frame_size.x * frame_size.y);
    vec3 total = vec3(0.0);
    for (int k = 0; k < LAYERS; k++) {  // a constant: llvmpipe unrolls the loop
        total += unpacked(sums[index + uint(k) * layer]);
    }
    color = vec4(total / float(STEPS), 0.0);
}
#endif
