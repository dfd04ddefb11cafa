#!/bin/bash
# Scrape node_exporter every 1 s for $1 seconds; one record per scrape: "# scrape <unix ms>" then the samples.
end=$(( $(date +%s) + $1 ))
while [ $(date +%s) -lt $end ]; do
  t=$(date +%s%3N)
  body=$(curl -s --max-time 0.9 127.0.0.1:19100/metrics | grep -v '^#')
  printf '# scrape %s\n%s\n' "$t" "$body" >> capture.txt
  now=$(date +%s%3N); sleep $(awk "BEGIN{s=(1000-($now-$t))/1000; if(s<0)s=0; print s}")
done
echo done > capture.done
