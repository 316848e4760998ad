#!/usr/bin/env bash
# Starts or stops a throwaway RabbitMQ node, without systemd, its state in a folder. It listens on
# 127.0.0.1, or on SMS_SIM_RABBITMQ_IP when set (a test host's address, in its network namespace).
#   scripts/rabbitmq-node.sh start DIR [PORT]   start, wait until it takes connections, print its env
#   scripts/rabbitmq-node.sh stop DIR           stop it by its pid
#   scripts/rabbitmq-node.sh restart DIR        stop it, then start it again on its port, state kept
#   scripts/rabbitmq-node.sh crash DIR          SIGKILL it, then start it again on its port, state kept
#   scripts/rabbitmq-node.sh ctl DIR ARGS...    rabbitmqctl against it (e.g. list_queues)
# Needs Debian's rabbitmq-server package (the binaries; its service is not used).
set -euo pipefail
command=${1:?usage: rabbitmq-node.sh start|stop|restart|ctl DIR [PORT]}
dir=${2:?usage: rabbitmq-node.sh start|stop|restart|ctl DIR [PORT]}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
rabbit_bin=/usr/lib/rabbitmq/bin

ip=${SMS_SIM_RABBITMQ_IP:-127.0.0.1}

node_env() {
	local port=$1
	export HOME="$dir" # The Erlang cookie lives here, so rabbitmqctl and the node agree.
	export RABBITMQ_NODENAME="sms-sim-$port@localhost"
	export RABBITMQ_NODE_IP_ADDRESS="$ip"
	export RABBITMQ_NODE_PORT="$port"
	export RABBITMQ_DIST_PORT=$((port + 20000))
	export RABBITMQ_MNESIA_BASE="$dir/mnesia"
	export RABBITMQ_LOG_BASE="$dir/log"
	export RABBITMQ_PID_FILE="$dir/rabbitmq.pid"
	export RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
	export RABBITMQ_CONFIG_FILE="$dir/rabbitmq"
	export RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config"
	[ -f "$dir/enabled_plugins" ] || echo '[].' > "$dir/enabled_plugins"
	# Allow the default guest user from 127.0.0.1 (it is, by default) and keep disk alarms quiet on small disks.
	[ -f "$dir/rabbitmq.conf" ] || printf 'listeners.tcp.default = %s:%s\ndisk_free_limit.absolute = 50MB\nloopback_users = none\n' "$ip" "$port" > "$dir/rabbitmq.conf"
}

case "$command" in
	start)
		port=${3:-5699}
		echo "$port" > "$dir/port"
		node_env "$port"
		"$rabbit_bin/rabbitmq-server" > "$dir/server.out" 2>&1 &
		echo $! > "$dir/launcher.pid"
		# Ready when the node says so. Until its Erlang side is up, rabbitmqctl cannot reach it at all:
		# ask again until then (at most 120 s; a first start creates its database).
		deadline=$((SECONDS + 120))
		until "$rabbit_bin/rabbitmqctl" -n "$RABBITMQ_NODENAME" await_startup --timeout 60 > "$dir/await.out" 2>&1; do
			if ! kill -0 "$(cat "$dir/launcher.pid")" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
				echo "rabbitmq-node: the node did not start; its output:" >&2
				# Each file that exists: a missing one must not hide the other's message.
				for log in "$dir/server.out" "$dir/await.out"; do
					[ -f "$log" ] && { echo "--- $log" >&2; tail -n 30 "$log" >&2; }
				done
				exit 1
			fi
			sleep 1
		done
		echo "SMS_SIM_TEST_BROKER=amqp://guest:guest@$ip:$port"
		echo "SMS_SIM_TEST_RABBITMQ_DIR=$dir"
		;;
	stop)
		port=$(cat "$dir/port")
		node_env "$port"
		pid=$(cat "$dir/rabbitmq.pid" 2>/dev/null || cat "$dir/launcher.pid")
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 1 60); do
			kill -0 "$pid" 2>/dev/null || exit 0
			sleep 0.5
		done
		kill -9 "$pid" 2>/dev/null || true
		;;
	restart)
		"$0" stop "$dir"
		"$0" start "$dir" "$(cat "$dir/port")" > /dev/null
		;;
	crash)
		# SIGKILL, as a power cut would: no clean shutdown. Then start it again on its data.
		kill -9 "$(cat "$dir/rabbitmq.pid" 2>/dev/null || cat "$dir/launcher.pid")" 2>/dev/null || true
		sleep 1
		"$0" start "$dir" "$(cat "$dir/port")" > /dev/null
		;;
	ctl)
		port=$(cat "$dir/port")
		node_env "$port"
		shift 2
		exec "$rabbit_bin/rabbitmqctl" -n "$RABBITMQ_NODENAME" "$@"
		;;
	*)
		echo "usage: rabbitmq-node.sh start|stop|restart|crash|ctl DIR [PORT]" >&2
		exit 2
		;;
esac
