#pragma once
// std::visit over a set of lambdas: Overloaded{[](const A&) {...}, [](const B&) {...}}.
namespace ffnet {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;  // clang before 17 lacks C++20 aggregate deduction

}  // namespace ffnet
