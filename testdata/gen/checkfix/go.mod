module ctxdiff/checkfix

go 1.19
