// Instanced Lambert cubes in a rotating holder, lit by one white point light plus ambient.
// Per instance: the cube's model matrix (translate * rotate * scale, fixed at creation) and
// its colour. The holder's rotation (Euler X then Y, as Three.js applies it) is a uniform.
#if defined VERTEX_SHADER
in vec3 in_position;
in vec3 in_normal;
in mat4 in_model;
in vec3 in_color;

uniform vec2 holder_angle;   // (x, y) radians
uniform mat4 view_projection;

out vec3 v_world;
out vec3 v_normal;
out vec3 v_color;

mat3 holder_rotation(vec2 angle) {
    float cx = cos(angle.x), sx = sin(angle.x);
    float cy = cos(angle.y), sy = sin(angle.y);
    // Rx * Ry (GLSL matrices are column-major: each vec3 is a column)
    mat3 rx = mat3(1.0, 0.0, 0.0,  0.0, cx, sx,  0.0, -sx, cx);
    mat3 ry = mat3(cy, 0.0, -sy,  0.0, 1.0, 0.0,  sy, 0.0, cy);
    return rx * ry;
}

void main() {
    mat3 holder = holder_rotation(holder_angle);
    vec4 local = in_model * vec4(in_position, 1.0);
    vec3 world = holder * local.xyz;
    v_world = world;
    // the model matrix is a rotation times a uniform scale, so it maps normals too
    v_normal = holder * (mat3(in_model) * in_normal);
    v_color = in_color;
    gl_Position = view_projection * vec4(world, 1.0);
}
#elif defined FRAGMENT_SHADER
in vec3 v_world;
in vec3 v_normal;
in vec3 v_color;

uniform vec3 light_position;
uniform float ambient;

out vec4 color;

void main() {
    vec3 n = normalize(v_normal);
    vec3 l = normalize(light_position - v_world);
    float diffuse = max(dot(n, l), 0.0);
    color = vec4(v_color * (ambient + (1.0 - ambient) * diffuse), 1.0);
}
#endif
