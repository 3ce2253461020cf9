// Field, step 1 of a frame: carry the reaction–diffusion state along a flow (feedback) and
// inject fresh chemical V at a few moving emitters.
//
// The flow is a zoom about the centre, a rotation and a divergence-free swirl (the curl of a
// few travelling sine waves). Semi-Lagrangian: each cell reads the state where its content
// came from, dt seconds upstream (bilinear). Beyond the edges the field is mirrored, so
// zooming in or turning pulls in pattern (which the reaction soon heals), never blank space.
#include "common/fullscreen.glsl"
#if defined FRAGMENT_SHADER
uniform sampler2D source;     // (U, V) state, bilinear
uniform vec2 aspect_scale;  // half extents: the shorter side spans -1..1
uniform float dt;             // seconds of song time this frame
uniform float zoom;           // radial speed per unit radius, per second (> 0 grows outwards)
uniform float spin;           // radians per second
uniform float flow;           // swirl speed
uniform float flow_phase;     // the swirl's travelling phase
uniform float inject;         // emitter strength
uniform vec2 emitters[EMITTERS];
uniform float emitter_radius;
out vec4 color;

vec2 swirl(vec2 p) {
    // velocity = curl of psi = (d psi / dy, -d psi / dx) for
    // psi = sin(1.7 x + ph) cos(1.3 y - 0.7 ph) + 0.6 sin(2.9 y + 1.3 ph + 1) cos(2.3 x + 0.4 ph)
    float ph = flow_phase;
    float a = 1.7 * p.x + ph, b = 1.3 * p.y - 0.7 * ph;
    float c = 2.9 * p.y + 1.3 * ph + 1.0, d = 2.3 * p.x + 0.4 * ph;
    float dpsi_dx = 1.7 * cos(a) * cos(b) - 0.6 * 2.3 * sin(c) * sin(d);
    float dpsi_dy = -1.3 * sin(a) * sin(b) + 0.6 * 2.9 * cos(c) * cos(d);
    return vec2(dpsi_dy, -dpsi_dx);
}

void main() {
    vec2 p = (uv * 2.0 - 1.0) * aspect_scale;
    vec2 velocity = zoom * p + spin * vec2(-p.y, p.x) + flow * swirl(p);
    vec2 from = p - velocity * dt;
    vec2 from_uv = from / aspect_scale * 0.5 + 0.5;
    from_uv = 1.0 - abs(1.0 - mod(from_uv, 2.0));  // mirrored repeat
    vec2 state = texture(source, from_uv).rg;

    float deposit = 0.0;
    for (int i = 0; i < EMITTERS; i++) {
        vec2 d = p - emitters[i];
        deposit += max(0.0, 1.0 - dot(d, d) / (emitter_radius * emitter_radius));
    }
    state.y = min(state.y + inject * dt * 30.0 * deposit, 1.0);
    state.x = max(state.x - inject * dt * 15.0 * deposit, 0.0);
    color = vec4(state, 0.0, 1.0);
}
#endif
