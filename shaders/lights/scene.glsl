// Shared by the strip's points and lines: the camera and the exponential fog.
// Fog fades to black (the background): factor exp(-(density * distance)^2) of the
// distance from the camera, like Three.js's FogExp2.
#if defined VERTEX_SHADER
in vec3 in_position;
uniform mat4 view_projection;
uniform vec3 camera_position;
uniform float fog_density;
out float v_fog;

vec4 project_and_fog() {
    float f = fog_density * distance(in_position, camera_position);
    v_fog = exp(-f * f);
    return view_projection * vec4(in_position, 1.0);
}
#elif defined FRAGMENT_SHADER
in float v_fog;
uniform vec3 light_color;   // the HSL colour, as RGB
uniform float opacity;
out vec4 color;
#endif
