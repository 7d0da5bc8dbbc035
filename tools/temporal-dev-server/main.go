// Command temporal-dev-server is the Temporal development server of Interlace's tests and benchmarks: all
// four Temporal services (frontend, history, matching, worker) in one process over go.temporal.io/server,
// persisted in one SQLite file (or in memory), with the namespaces it is given registered before start.
//
// Why not the `temporal` CLI's `server start-dev`: the CLI module is not served by the Go module proxy
// here and its prebuilt binaries cannot be downloaded, while go.temporal.io/server is served. The flags are
// the subset of `temporal server start-dev` the tests use, so either binary can be pointed at by
// INTERLACE_TEMPORAL_SERVER (a leading `server start-dev` is accepted and skipped).
//
//	temporal-dev-server --ip 127.0.0.1 --port 7233 --db-filename /tmp/t.db --namespace default \
//	  [--sqlite-pragma journal_mode=wal ...] [--log-level warn] [--dynamic-config-value KEY=JSON ...]
//
// On a file database a process killed with SIGKILL leaves its rows in cluster_membership; the next start
// would try to reach those dead hosts and stall 30-45 s, so they are deleted before the server starts (one
// process owns the file: this is a single-host development server).
//
// Prints "temporal-dev-server: ready <ip>:<port>" on stdout once the frontend accepts calls; SIGINT/SIGTERM
// stop it cleanly.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/metrics"
	"go.temporal.io/server/common/persistence/sql"
	"go.temporal.io/server/common/persistence/sql/sqlplugin"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/resolver"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
)

const clusterName = "active"

type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

type options struct {
	ip             string
	port           int
	dbFile         string
	namespaces     []string
	logLevel       string
	dynamicConfigs []string
	pragmas        []string
}

func main() {
	opts, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "temporal-dev-server: %v\n", err)
		os.Exit(2)
	}
	if err := run(opts); err != nil {
		fmt.Fprintf(os.Stderr, "temporal-dev-server: %v\n", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (options, error) {
	if len(args) >= 2 && args[0] == "server" && args[1] == "start-dev" {
		args = args[2:]
	}
	fs := flag.NewFlagSet("temporal-dev-server", flag.ContinueOnError)
	var o options
	var namespaces, dynamicConfigs, pragmas repeated
	fs.StringVar(&o.ip, "ip", "127.0.0.1", "address the frontend listens on")
	fs.IntVar(&o.port, "port", 7233, "frontend gRPC port")
	fs.StringVar(&o.dbFile, "db-filename", "", "SQLite file to persist to (created with its schema when missing); empty keeps everything in memory")
	fs.Var(&namespaces, "namespace", "namespace to register before start (repeatable; `default` is always registered)")
	fs.StringVar(&o.logLevel, "log-level", "warn", "debug | info | warn | error")
	fs.Var(&dynamicConfigs, "dynamic-config-value", "KEY=JSON dynamic config value (repeatable)")
	fs.Var(&pragmas, "sqlite-pragma", "journal_mode=VALUE or synchronous=VALUE for the SQLite file (repeatable)")
	// Accepted for compatibility with `temporal server start-dev` and ignored: this server has no UI and
	// exposes no metrics endpoint.
	fs.Bool("headless", true, "ignored (no UI)")
	fs.Int("ui-port", 0, "ignored (no UI)")
	fs.Int("metrics-port", 0, "ignored (no metrics endpoint)")
	fs.String("log-format", "json", "ignored (always JSON)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.port <= 0 || o.port > 65535 {
		return o, fmt.Errorf("--port %d is not a TCP port", o.port)
	}
	o.namespaces = append([]string{"default"}, namespaces...)
	o.dynamicConfigs = dynamicConfigs
	o.pragmas = pragmas
	return o, nil
}

func run(o options) error {
	sqlCfg := &config.SQL{PluginName: sqliteplugin.PluginName, ConnectAttributes: map[string]string{}}
	// The plugin passes connect attributes it does not know as pragmas (journal_mode, synchronous). With the default
	// rollback journal every transaction syncs twice: wal and synchronous=normal start ~5x more workflows
	// per second here, and lose nothing when the process is killed (only on power loss).
	for _, kv := range o.pragmas {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || (name != "journal_mode" && name != "synchronous") {
			return fmt.Errorf("--sqlite-pragma %q: expected journal_mode=VALUE or synchronous=VALUE", kv)
		}
		sqlCfg.ConnectAttributes[name] = value
	}
	if o.dbFile == "" {
		sqlCfg.DatabaseName = fmt.Sprintf("interlace-%d", os.Getpid())
		sqlCfg.ConnectAttributes["mode"] = "memory"
		sqlCfg.ConnectAttributes["cache"] = "shared" // the plugin creates the schema in a memory database
	} else {
		sqlCfg.DatabaseName = o.dbFile
		sqlCfg.ConnectAttributes["mode"] = "rwc"
		if err := prepareFile(sqlCfg, o.dbFile); err != nil {
			return err
		}
	}
	var namespaces []*sqliteschema.NamespaceConfig
	for _, name := range o.namespaces {
		ns, err := sqliteschema.NewNamespaceConfig(clusterName, name, false, nil)
		if err != nil {
			return fmt.Errorf("namespace %q: %w", name, err)
		}
		namespaces = append(namespaces, ns)
	}
	if err := sqliteschema.CreateNamespaces(sqlCfg, namespaces...); err != nil {
		return fmt.Errorf("registering namespaces: %w", err)
	}

	dc, err := dynamicConfig(o.dynamicConfigs)
	if err != nil {
		return err
	}
	cfg, err := serverConfig(o, sqlCfg)
	if err != nil {
		return err
	}
	logger := log.NewZapLogger(log.BuildZapLogger(log.Config{Level: o.logLevel, Format: "json"}))
	authorizer, err := authorization.GetAuthorizerFromConfig(&cfg.Global.Authorization)
	if err != nil {
		return err
	}
	claimMapper, err := authorization.GetClaimMapperFromConfig(&cfg.Global.Authorization, logger)
	if err != nil {
		return err
	}
	server, err := temporal.NewServer(
		temporal.WithConfig(cfg),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithLogger(logger),
		temporal.WithAuthorizer(authorizer),
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper { return claimMapper }),
		temporal.WithDynamicConfigClient(dc),
	)
	if err != nil {
		return fmt.Errorf("creating the server: %w", err)
	}
	if err := server.Start(); err != nil {
		return fmt.Errorf("starting the server: %w", err)
	}
	fmt.Printf("temporal-dev-server: ready %s\n", net.JoinHostPort(o.ip, fmt.Sprint(o.port)))

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	done := make(chan error, 1)
	go func() { done <- server.Stop() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		return errors.New("the server did not stop within 10 s")
	}
}

// prepareFile creates the schema in a new database file and clears the membership rows a killed process
// left in an existing one.
func prepareFile(sqlCfg *config.SQL, file string) error {
	if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
		if _, err := os.Stat(filepath.Dir(file)); err != nil {
			return fmt.Errorf("--db-filename %s: %w", file, err)
		}
		if err := sqliteschema.SetupSchema(sqlCfg); err != nil {
			return fmt.Errorf("creating the schema in %s: %w", file, err)
		}
		return nil
	}
	db, err := sql.NewSQLAdminDB(sqlplugin.DbKindUnknown, sqlCfg, resolver.NewNoopResolver(), log.NewNoopLogger(), metrics.NoopMetricsHandler)
	if err != nil {
		return fmt.Errorf("opening %s: %w", file, err)
	}
	defer func() { _ = db.Close() }()
	if err := db.Exec("DELETE FROM cluster_membership"); err != nil {
		return fmt.Errorf("clearing stale cluster membership in %s: %w", file, err)
	}
	return nil
}

func dynamicConfig(values []string) (dynamicconfig.StaticClient, error) {
	dc := dynamicconfig.StaticClient{
		// Visibility reads see search attributes registered a moment ago (what start-dev does too).
		dynamicconfig.MakeKey("system.forceSearchAttributesCacheRefreshOnRead"): true,
	}
	for _, kv := range values {
		key, raw, ok := strings.Cut(kv, "=")
		if !ok || key == "" {
			return nil, fmt.Errorf("--dynamic-config-value %q: expected KEY=JSON", kv)
		}
		var v any
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			return nil, fmt.Errorf("--dynamic-config-value %s: the value is not JSON: %w", key, err)
		}
		dc[dynamicconfig.MakeKey(key)] = v
	}
	return dc, nil
}

func serverConfig(o options, sqlCfg *config.SQL) (*config.Config, error) {
	frontend := net.JoinHostPort(o.ip, fmt.Sprint(o.port))
	service := func(port int) (config.Service, error) {
		membership, err := freePort(o.ip)
		if err != nil {
			return config.Service{}, err
		}
		if port == 0 {
			if port, err = freePort(o.ip); err != nil {
				return config.Service{}, err
			}
		}
		return config.Service{RPC: config.RPC{GRPCPort: port, MembershipPort: membership, BindOnIP: o.ip}}, nil
	}
	services := map[string]config.Service{}
	for name, port := range map[string]int{"frontend": o.port, "history": 0, "matching": 0, "worker": 0} {
		s, err := service(port)
		if err != nil {
			return nil, err
		}
		services[name] = s
	}
	return &config.Config{
		Global: config.Global{
			Membership: config.Membership{MaxJoinDuration: 30 * time.Second, BroadcastAddress: o.ip},
		},
		Persistence: config.Persistence{
			DefaultStore:     sqliteplugin.PluginName,
			VisibilityStore:  sqliteplugin.PluginName,
			NumHistoryShards: 1,
			DataStores:       map[string]config.DataStore{sqliteplugin.PluginName: {SQL: sqlCfg}},
		},
		ClusterMetadata: &cluster.Config{
			EnableGlobalNamespace:    false,
			FailoverVersionIncrement: 10,
			MasterClusterName:        clusterName,
			CurrentClusterName:       clusterName,
			ClusterInformation: map[string]cluster.ClusterInformation{
				clusterName: {Enabled: true, InitialFailoverVersion: 1, RPCAddress: frontend},
			},
		},
		DCRedirectionPolicy: config.DCRedirectionPolicy{Policy: "noop"},
		Services:            services,
		Archival: config.Archival{
			History:    config.HistoryArchival{State: "disabled"},
			Visibility: config.VisibilityArchival{State: "disabled"},
		},
		NamespaceDefaults: config.NamespaceDefaults{Archival: config.ArchivalNamespaceDefaults{
			History:    config.HistoryArchivalNamespaceDefaults{State: "disabled"},
			Visibility: config.VisibilityArchivalNamespaceDefaults{State: "disabled"},
		}},
		PublicClient: config.PublicClient{HostPort: frontend},
	}, nil
}

// freePort asks the kernel for a free port on ip (the history, matching and worker services and the
// membership ring listen there; only the frontend's port is fixed by --port).
func freePort(ip string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		return 0, fmt.Errorf("finding a free port on %s: %w", ip, err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}
