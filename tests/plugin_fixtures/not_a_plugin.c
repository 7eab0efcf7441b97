/* A shared library that is no graphrun plugin (no entry points). */
int not_a_plugin_answer(void) { return 42; }
