// swarm-mock-agent: placeholder until the mock model lands (issue 3).
int main() { return 0; }
