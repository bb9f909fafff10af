module ctxdiff/httpleak

go 1.19
