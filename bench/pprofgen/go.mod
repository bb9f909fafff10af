module ctxdiff/bench/pprofgen

go 1.19
