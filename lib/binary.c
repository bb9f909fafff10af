/* binary.c — placeholder until implemented. */
typedef int cd_binary_placeholder;
