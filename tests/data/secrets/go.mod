module secretleak

go 1.19
