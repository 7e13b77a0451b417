module github.com/gogan/gan

go 1.26.8
