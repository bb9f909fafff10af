/* graph.c — placeholder until implemented. */
typedef int cd_graph_placeholder;
