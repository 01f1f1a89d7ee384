// Linked with one layer's whole static library and only the layers below it (meson.build): the
// link fails if the layer calls upwards.
int main() { return 0; }
