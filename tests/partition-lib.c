/* SPDX-License-Identifier: MIT */
/*
 * The library's view of the partition: CPU lists and masks, the state
 * file's format (escaping, records cut short, malformed ones, an earlier
 * boot), dc_partition_cpu_isolated() and dc_default_cpus() with DC_CPUS,
 * the partition, isolcpus and neither.
 */
#include "cpulist.h"
#include "cpumask.h"
#include "core.h"
#include "journal.h"
#include "partition.h"
#include "partition_fake.h"

static int list_is(const char *in, const char *want)
{
	cpu_set_t set;
	char out[256];
	if (dc_cpulist_parse(in, &set) != 0)
		return !strcmp(want, "EINVAL");
	dc_cpulist_format(&set, out, sizeof(out));
	if (strcmp(out, want))
		fprintf(stderr, "  \"%s\" -> \"%s\", want \"%s\"\n", in, out, want);
	return !strcmp(out, want);
}

static void test_cpulist(void)
{
	CHECK(list_is("0-3,5", "0-3,5"), "range and single");
	CHECK(list_is(" 1 \n", "1"), "white space");
	CHECK(list_is("", ""), "empty");
	CHECK(list_is("\n", ""), "empty line");
	CHECK(list_is("5,0-1,2", "0-2,5"), "unordered");
	CHECK(list_is("3-1", "EINVAL"), "backwards range");
	CHECK(list_is("a", "EINVAL"), "letters");
	CHECK(list_is("1,,2", "EINVAL"), "empty item");
	CHECK(list_is("1-", "EINVAL"), "open range");
	CHECK(list_is("99999", "EINVAL"), "beyond CPU_SETSIZE");
	CHECK(list_is("1 2", "EINVAL"), "space inside");
	cpu_set_t set;
	char tiny[4];
	dc_cpulist_parse("0-3,100-200", &set);
	CHECK_EQ(dc_cpulist_format(&set, tiny, sizeof(tiny)), -ENOSPC);
}

static int mask_is(const char *in, int width, const char *want)
{
	cpu_set_t set;
	char out[256];
	if (cpumask_parse(in, &set) != 0)
		return !strcmp(want, "EINVAL");
	cpumask_format(&set, width, out, sizeof(out));
	if (strcmp(out, want))
		fprintf(stderr, "  mask \"%s\" -> \"%s\", want \"%s\"\n", in, out, want);
	return !strcmp(out, want);
}

static void test_cpumask(void)
{
	CHECK(mask_is("3\n", 1, "3"), "two CPUs");
	CHECK(mask_is("00000003", 8, "00000003"), "kept width");
	CHECK(mask_is("ff,ffffffff\n", 10, "ff,ffffffff"), "40 CPUs");
	CHECK(mask_is("1,00000000", 9, "1,00000000"), "CPU 32");
	CHECK(mask_is("F", 1, "f"), "upper case");
	CHECK(mask_is("zz", 1, "EINVAL"), "not hex");
	CHECK(mask_is("", 1, "EINVAL"), "empty");
	CHECK(mask_is(",1", 1, "EINVAL"), "empty word");
	CHECK(mask_is("123456789", 9, "EINVAL"), "nine digits in a word");
	cpu_set_t set;
	CHECK_EQ(cpumask_parse("1,2", &set), 0);
	CHECK(CPU_ISSET(1, &set) && CPU_ISSET(32, &set) && CPU_COUNT(&set) == 2, "words");
	CHECK_EQ(cpumask_width("ff,ffffffff\n"), 10);
}

static int count_records(const struct dc_state_record *r, void *ctx)
{
	(void)r;
	++*(int *)ctx;
	return 0;
}

static void test_state_format(void)
{
	char path[PATH_MAX], esc[64];
	fake_path(path, sizeof(path), "/state-format");
	CHECK_EQ(dc_state_escape("a b\n%", esc, sizeof(esc)), 11);
	CHECK(!strcmp(esc, "a%20b%0A%25"), "escaped: %s", esc);
	CHECK_EQ(dc_state_escape("0123456789", esc, 8), -ENOSPC);

	/* Written through the journal and read back word for word. */
	struct journal j;
	CHECK_EQ(journal_open(&j, path), 0);
	CHECK_EQ(journal_empty(&j), 1);
	CHECK_EQ(journal_append(&j, "decouple-state", "1", NULL), 0);
	CHECK_EQ(journal_append(&j, "write", "/odd path/x", "=two\nlines %"), 0);
	CHECK_EQ(journal_append(&j, "write", "/empty", "="), 0);
	CHECK_EQ(journal_append(&j, "write", "", NULL), -EINVAL);	/* an empty word cannot be read back */
	CHECK_EQ(journal_empty(&j), 0);
	struct journal other;
	CHECK_EQ(journal_open(&other, path), -EWOULDBLOCK);	/* one isolate or release at a time */
	journal_close(&j);
	struct jrecords recs;
	CHECK_EQ(journal_load(path, &recs), 0);
	CHECK_EQ(recs.n, 3);
	if (recs.n == 3) {
		CHECK(!strcmp(recs.r[1].a, "/odd path/x") && !strcmp(recs.r[1].b, "=two\nlines %"),
		      "record 2: %s %s", recs.r[1].a, recs.r[1].b);
		CHECK(!strcmp(recs.r[2].b, "="), "record 3: %s", recs.r[2].b);
	}
	journal_free(&recs);

	/* A last line without its newline was cut short by a crash: ignored. */
	fake_file("/state-format", "decouple-state 1\ncpus 1\nwrite /x =1");
	int n = 0;
	CHECK_EQ(dc_state_read(path, count_records, &n), 0);
	CHECK_EQ(n, 2);
	fake_file("/state-format", "decouple-state 1\nwrite /x =%4\n");
	CHECK_EQ(dc_state_read(path, count_records, &n), -EINVAL);
	fake_file("/state-format", "decouple-state 1\n\n");
	CHECK_EQ(dc_state_read(path, count_records, &n), -EINVAL);
	fake_file("/state-format", "decouple-state 1\na b c d e\n");
	CHECK_EQ(dc_state_read(path, count_records, &n), -EINVAL);
	CHECK_EQ(dc_state_read("/nonexistent/decouple/state", count_records, &n), -ENOENT);
}

static void write_state(const char *boot, int complete, const char *cpus)
{
	char buf[512];
	snprintf(buf, sizeof(buf),
		 "decouple-state 1\nboot %s\ncpus %s\nmechanism cgroup-v1\n"
		 "cpuset /sys/fs/cgroup/cpuset/decouple-rt\nadmit tasks\n"
		 "write /proc/sys/kernel/sched_rt_runtime_us =950000%%0A\n%s",
		 boot, cpus, complete ? "complete\n" : "");
	fake_file("/run/decouple/state", buf);
}

static void test_partition_view(void)
{
	struct dc_partition p;
	int cpus[8];
	fake_file("/sys/devices/system/cpu/online", "0-5\n");
	fake_file("/proc/sys/kernel/random/boot_id", "this-boot\n");
	unsetenv("DC_CPUS");

	/* Nothing isolated: the last online CPU. */
	CHECK_EQ(dc_partition_load(NULL, &p), -ENOENT);
	CHECK_EQ(dc_partition_cpu_isolated(5), 0);
	CHECK_EQ(dc_default_cpus(cpus, 8), 1);
	CHECK_EQ(cpus[0], 5);

	/* A complete partition of this boot. */
	write_state("this-boot", 1, "2-3");
	CHECK_EQ(dc_partition_load(NULL, &p), 0);
	CHECK(dc_partition_active(&p), "complete partition of this boot not active");
	CHECK(!strcmp(p.cpuset, "/sys/fs/cgroup/cpuset/decouple-rt") && !strcmp(p.admit, "tasks"),
	      "cpuset %s admit %s", p.cpuset, p.admit);
	CHECK_EQ(dc_partition_cpu_isolated(2), 1);
	CHECK_EQ(dc_partition_cpu_isolated(4), 0);
	CHECK_EQ(dc_partition_cpu_isolated(-1), 0);
	CHECK_EQ(dc_default_cpus(cpus, 8), 2);
	CHECK(cpus[0] == 2 && cpus[1] == 3, "defaults %d %d", cpus[0], cpus[1]);
	CHECK_EQ(dc_default_cpus(cpus, 1), 2);		/* the count, even past max */
	CHECK_EQ(dc_default_cpus(NULL, 0), 2);
	CHECK_EQ(dc_default_cpus(NULL, 1), -EINVAL);

	/* Plus CPUs isolated at boot. */
	fake_file("/sys/devices/system/cpu/isolated", "5\n");
	CHECK_EQ(dc_partition_cpu_isolated(5), 1);
	CHECK_EQ(dc_default_cpus(cpus, 8), 3);
	fake_remove("/sys/devices/system/cpu/isolated");

	/* DC_CPUS wins. */
	setenv("DC_CPUS", "1,4", 1);
	CHECK_EQ(dc_default_cpus(cpus, 8), 2);
	CHECK(cpus[0] == 1 && cpus[1] == 4, "DC_CPUS gave %d %d", cpus[0], cpus[1]);
	setenv("DC_CPUS", "4-x", 1);
	CHECK_EQ(dc_default_cpus(cpus, 8), -EINVAL);
	setenv("DC_CPUS", " ", 1);
	CHECK_EQ(dc_default_cpus(cpus, 8), -EINVAL);
	unsetenv("DC_CPUS");

	/* Interrupted, or from an earlier boot: not isolated. */
	write_state("this-boot", 0, "2-3");
	CHECK_EQ(dc_partition_cpu_isolated(2), 0);
	write_state("an-earlier-boot", 1, "2-3");
	CHECK_EQ(dc_partition_load(NULL, &p), 0);
	CHECK(!p.this_boot, "stale state taken for this boot");
	CHECK_EQ(dc_partition_cpu_isolated(2), 0);
	CHECK_EQ(dc_partition_admit(2, 1234), 0);
	CHECK(!fake_exists("/sys/fs/cgroup/cpuset/decouple-rt/tasks"), "admitted into a stale partition");

	/* Malformed: a bad header, a bad CPU list. */
	fake_file("/run/decouple/state", "decouple-state 2\ncomplete\n");
	CHECK_EQ(dc_partition_load(NULL, &p), -EINVAL);
	CHECK_EQ(dc_partition_cpu_isolated(2), 0);
	fake_file("/run/decouple/state", "decouple-state 1\ncpus two\ncomplete\n");
	CHECK_EQ(dc_partition_load(NULL, &p), -EINVAL);

	/* The application's errno survives the library's look at the files. */
	fake_remove("/run/decouple/state");
	errno = 4242;
	dc_partition_cpu_isolated(1);
	dc_default_cpus(cpus, 8);
	CHECK_EQ(errno, 4242);

	/* An admit that the cgroup refuses (here: its directory is missing) is an error. */
	write_state("this-boot", 1, "2-3");
	CHECK_EQ(dc_partition_admit(2, 1234), -ENOENT);
}

int main(void)
{
	setenv("DC_QUIET", "1", 1);
	fake_begin();
	test_cpulist();
	test_cpumask();
	test_state_format();
	test_partition_view();
	return test_done();
}
