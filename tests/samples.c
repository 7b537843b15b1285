/* SPDX-License-Identifier: MIT */
/* tools/samples and tools/json: statistics, sample files, histogram, JSON. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "json.h"
#include "samples.h"

static void test_stats(void)
{
	struct samples s = { 0 };
	struct latency_stats st;
	CHECK_EQ(samples_stats(&s, &st), -ENODATA);
	/* 1..10000 µs in reverse: percentiles are exact nearest ranks. */
	for (uint64_t v = 10000; v >= 1; v--)
		CHECK_EQ(samples_add(&s, v * 1000), 0);
	CHECK_EQ(samples_stats(&s, &st), 0);
	CHECK_EQ(st.samples, 10000);
	CHECK(st.min_us == 1.0, "min %f", st.min_us);
	CHECK(st.max_us == 10000.0, "max %f", st.max_us);
	CHECK(st.p50_us == 5000.0, "p50 %f", st.p50_us);
	CHECK(st.p99_us == 9900.0, "p99 %f", st.p99_us);
	CHECK(st.p999_us == 9990.0, "p999 %f", st.p999_us);
	CHECK(st.p9999_us == 9999.0, "p9999 %f", st.p9999_us);
	CHECK(st.avg_us == 5000.5, "avg %f", st.avg_us);
	CHECK_EQ(samples_percentile(s.ns, 1, 0.5), 1000);
	samples_free(&s);
}

static void test_files(void)
{
	char path[] = "/tmp/dc-samples-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp");
	close(fd);
	struct samples s = { 0 }, back = { 0 };
	samples_add(&s, 17);
	samples_add(&s, 123456789012ULL);
	samples_add(&s, 0);
	CHECK_EQ(samples_save(&s, path), 0);
	CHECK_EQ(samples_load(&back, path), 0);
	CHECK_EQ(back.n, 3);
	CHECK(back.n == 3 && back.ns[1] == 123456789012ULL, "value lost");

	FILE *f = fopen(path, "w");
	fputs("# comment\n5\n\n6\nseven\n", f);
	fclose(f);
	CHECK_EQ(samples_load(&back, path), -EINVAL);
	CHECK_EQ(back.n, 3);	/* a bad file adds nothing */
	CHECK_EQ(samples_load(&back, "/nonexistent/x"), -ENOENT);
	unlink(path);
	samples_free(&s);
	samples_free(&back);
}

static void test_histogram(void)
{
	struct samples s = { 0 };
	struct latency_stats st;
	uint64_t v[] = { 500, 1999, 1000, 2500, 9000 };	/* 0,1,1,2,overflow */
	for (size_t i = 0; i < 5; i++)
		samples_add(&s, v[i]);
	samples_stats(&s, &st);
	char buf[1024] = "";
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");
	samples_write_histogram(f, &s, 3);
	fclose(f);
	CHECK(strstr(buf, "# Histogram\n000000 000001\n000001 000002\n000002 000001\n") != NULL, "%s", buf);
	CHECK(strstr(buf, "# Total: 000000004\n") != NULL, "%s", buf);
	CHECK(strstr(buf, "# Max Latencies: 00009\n") != NULL, "%s", buf);
	CHECK(strstr(buf, "# Avg Latencies: 00002\n") != NULL, "%s", buf);
	CHECK(strstr(buf, "# Histogram Overflows: 00001\n") != NULL, "%s", buf);
	samples_free(&s);
}

static void test_json(void)
{
	char buf[1024] = "";
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");
	struct json j;
	json_init(&j, f);
	json_object_begin(&j, NULL);
	json_string(&j, "name", "a\"b\\c\n");
	json_array_begin(&j, "list");
	json_int(&j, NULL, -3);
	json_double(&j, NULL, 0.25);
	json_double(&j, NULL, 1.0 / 0.0);
	json_array_end(&j);
	json_object_begin(&j, "empty");
	json_object_end(&j);
	json_bool(&j, "ok", true);
	json_object_end(&j);
	fclose(f);
	const char *want = "{\n  \"name\": \"a\\\"b\\\\c\\n\",\n  \"list\": [\n    -3,\n"
			   "    0.250,\n    null\n  ],\n  \"empty\": {},\n  \"ok\": true\n}\n";
	CHECK(!strcmp(buf, want), "got:\n%s", buf);
}

int main(void)
{
	test_stats();
	test_files();
	test_histogram();
	test_json();
	return test_done();
}
