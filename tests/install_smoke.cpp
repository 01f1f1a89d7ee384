// Built against the installed headers and library through pkg-config by tests/test_install.sh.
#include <ffnet/ffnet.hpp>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  try {
    const ffnet::Network net = ffnet::Network::load(argv[1]);
    ffnet::Tensor input({1, 3, 64, 96});
    const ffnet::Tensor logits = net.forward(input);
    std::printf("%s %s\n", net.config().name.c_str(), logits.shape_str().c_str());
    return 0;
  } catch (const ffnet::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
