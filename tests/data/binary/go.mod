module ctxprog

go 1.19
