// RGBA texture -> the bytes of a yuv420p (I420) picture, BT.709 limited range, top row first.
//
// The picture is packed into an RGBA32UI target ceil(w / 16) texels wide: each target row
// holds w bytes (16 per texel, 4 per component, the first byte lowest; then padding up to a
// whole texel). Rows 0..h-1 hold the Y plane; rows h..h*3/2-1 hold the U plane then the V
// plane (w/2 bytes per chroma row, so two chroma rows per target row). Read back, the first
// w bytes of each row are exactly PyAV's (h * 3/2, w) yuv420p array. Sixteen bytes per
// fragment, not four, because a software rasteriser pays per fragment as much as per
// texel read; two draws (Y, then with CHROMA defined the chroma rows) keep the shader free of
// per-pixel branches.
#include "common/fullscreen.glsl"
#if defined FRAGMENT_SHADER
uniform sampler2D source;
uniform ivec2 size;
out uvec4 color;

const vec3 LUMA = vec3(0.2126, 0.7152, 0.0722);

vec3 rgb(int x, int y) {  // y counts from the top row of the picture
    return texelFetch(source, ivec2(min(x, size.x - 1), size.y - 1 - min(y, size.y - 1)), 0).rgb;
}

uint code(float value) {
    return uint(floor(value + 0.5));
}

#if defined CHROMA
uint chroma(int byte_in_row, int pair) {
    int half_width = size.x / 2;
    int half_height = size.y / 2;
    bool second = byte_in_row >= half_width;
    int column = second ? byte_in_row - half_width : byte_in_row;
    int row = 2 * pair + (second ? 1 : 0);    // counting U rows, then V rows
    bool red = row >= half_height;
    row = red ? row - half_height : row;
    int x = 2 * column;
    int y = 2 * row;
    vec3 c = 0.25 * (rgb(x, y) + rgb(x + 1, y) + rgb(x, y + 1) + rgb(x + 1, y + 1));
    float luma = dot(LUMA, c);
    float difference = red ? (c.r - luma) / 1.5748 : (c.b - luma) / 1.8556;
    return code(128.0 + 224.0 * difference);
}

uint word(int x, int pair) {
    return chroma(x, pair) | (chroma(x + 1, pair) << 8) | (chroma(x + 2, pair) << 16)
        | (chroma(x + 3, pair) << 24);
}

void main() {
    ivec2 texel = ivec2(gl_FragCoord.xy);
    int x = texel.x * 16;
    int pair = texel.y - size.y;
    color = uvec4(word(x, pair), word(x + 4, pair), word(x + 8, pair), word(x + 12, pair));
}
#else
uint luma(int x, int y) {
    return code(16.0 + 219.0 * dot(LUMA, rgb(x, y)));
}

uint word(int x, int y) {
    return luma(x, y) | (luma(x + 1, y) << 8) | (luma(x + 2, y) << 16) | (luma(x + 3, y) << 24);
}

void main() {
    ivec2 texel = ivec2(gl_FragCoord.xy);
    int x = texel.x * 16;
    color = uvec4(word(x, texel.y), word(x + 4, texel.y), word(x + 8, texel.y),
                  word(x + 12, texel.y));
}
#endif
#endif
