#!/usr/bin/env bash
# Measures kerago on every file of testdata/hostile (issue 15): exit status,
# wall time, peak RSS (/usr/bin/time -v) and the error line, for inspect and
# predict. Usage: scripts/measure_hostile.sh [KERAGO_BINARY]
set -u
cd "$(dirname "$0")/.."
bin=${1:-}
if [ -z "$bin" ]; then
	bin=$(mktemp -d)/kerago
	go build -o "$bin" ./cmd/kerago || exit 1
fi
dir=testdata/hostile
out=$(mktemp -d)
printf '| file | command | exit | wall s | peak RSS MB | message |\n|---|---|---|---|---|---|\n'
for f in "$dir"/*.json "$dir"/*.h5 "$dir"/*.keras; do
	name=$(basename "$f")
	x=$dir/x_2features.npy
	case $name in
	silent1*) x=$dir/x_3features.npy ;;
	silent2*) x=$dir/x_4features.npy ;;
	esac
	for cmd in inspect "inspect --json" predict; do
		args=($cmd "$f")
		[ "$cmd" = predict ] && args+=(--input "$x" --output "$out/y.npy")
		/usr/bin/time -v -o "$out/time" "$bin" "${args[@]}" >"$out/stdout" 2>"$out/stderr"
		code=$?
		wall=$(awk -F': ' '/Elapsed/ {print $2}' "$out/time" | awk -F: '{print ($1*60+$2)}')
		rss=$(awk -F': ' '/Maximum resident/ {printf "%.1f", $2/1024}' "$out/time")
		msg=$(head -c 300 "$out/stderr" | tr '\n|' ' /')
		[ -z "$msg" ] && msg="(stdout: $(wc -c <"$out/stdout") bytes)"
		printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "$cmd" "$code" "$wall" "$rss" "$msg"
	done
done
rm -rf "$out"
