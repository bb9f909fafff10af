module ctxdiff/leaky

go 1.19
