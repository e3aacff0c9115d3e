#!/usr/bin/perl
# usage: sisimai_bench.pl DIR PASSES — decode every file under DIR with Sisimai, PASSES times.
use strict; use warnings;
use Sisimai; use File::Find; use Time::HiRes qw(time);
my ($dir, $passes) = @ARGV; $passes ||= 1;
my @files; find(sub { push @files, $File::Find::name if -f $_ }, $dir); @files = sort @files;
my ($records, $t0) = (0, time);
for (1..$passes) { for my $f (@files) { my $v = Sisimai->make($f); $records += scalar @$v if $v; } }
my $dt = time - $t0;
printf "sisimai %s: %d passes x %d files, %d records, %.2f s\n", $Sisimai::VERSION, $passes, scalar @files, $records, $dt;
