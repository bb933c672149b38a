#include <cstdio>
int main() { std::puts("omnimeter"); return 0; }
