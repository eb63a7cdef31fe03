package source

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/scheme"
	k8stesting "k8s.io/client-go/testing"
)

var podsGVR = corev1.SchemeGroupVersion.WithResource("pods")

// fakeWatching is a Watching over a fake dynamic client holding objs, and a counter of
// the LIST requests it received.
func fakeWatching(t *testing.T, objs ...runtime.Object) (*Watching, *dynamicfake.FakeDynamicClient, *atomic.Int32) {
	t.Helper()
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(scheme.Scheme,
		map[schema.GroupVersionResource]string{podsGVR: "PodList"}, objs...)
	lists := &atomic.Int32{}
	dyn.PrependReactor("list", "*", func(k8stesting.Action) (bool, runtime.Object, error) {
		lists.Add(1)
		return false, nil, nil
	})
	live, _ := fakeLive()
	w := newWatching(live, dyn, time.Second)
	t.Cleanup(w.Stop)
	return w, dyn, lists
}

func pod(namespace, name string, labels map[string]string) *corev1.Pod {
	return &corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: meta(namespace, name, labels)}
}

func waitChanged(t *testing.T, w *Watching) {
	t.Helper()
	select {
	case <-w.Changed():
	case <-time.After(5 * time.Second):
		t.Fatal("no change signalled")
	}
}

func podNames(t *testing.T, w *Watching, namespace string, selector labels.Selector) []string {
	t.Helper()
	pods, err := List[corev1.Pod](context.Background(), w, namespace, selector)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, p := range pods {
		names = append(names, p.Name)
	}
	return names
}

// TestWatchingAnswersFromItsFeeds: a read lists once; after that, changes arrive by
// watch and later reads make no request.
func TestWatchingAnswersFromItsFeeds(t *testing.T) {
	web := labels.SelectorFromSet(labels.Set{"app": "web"})
	w, dyn, lists := fakeWatching(t, pod("shop", "web-1", map[string]string{"app": "web"}), pod("shop", "db-1", map[string]string{"app": "db"}))

	if got := podNames(t, w, "shop", web); len(got) != 1 || got[0] != "web-1" {
		t.Fatalf("first read: %v", got)
	}
	if lists.Load() != 1 || w.Feeds() != 1 {
		t.Fatalf("first read: %d lists, %d feeds; want 1, 1", lists.Load(), w.Feeds())
	}
	// The fake's watch starts asynchronously to the first list: wait until it is there.
	time.Sleep(100 * time.Millisecond)

	// The fake lists a mix of typed and unstructured objects badly: typed it is.
	if err := dyn.Tracker().Create(podsGVR, pod("shop", "web-2", map[string]string{"app": "web"}), "shop"); err != nil {
		t.Fatal(err)
	}
	waitChanged(t, w)
	if got := podNames(t, w, "shop", web); len(got) != 2 || got[1] != "web-2" {
		t.Errorf("after the watch event: %v", got)
	}
	if err := dyn.Tracker().Delete(podsGVR, "shop", "web-1"); err != nil {
		t.Fatal(err)
	}
	waitChanged(t, w)
	if got := podNames(t, w, "shop", web); len(got) != 1 || got[0] != "web-2" {
		t.Errorf("after the delete event: %v", got)
	}
	if lists.Load() != 1 {
		t.Errorf("%d lists: re-reads must come from the feed", lists.Load())
	}

	// Another selector is another read: its own feed, its own list.
	if got := podNames(t, w, "shop", labels.Everything()); len(got) != 2 {
		t.Errorf("all pods: %v", got)
	}
	if lists.Load() != 2 || w.Feeds() != 2 {
		t.Errorf("a second selector: %d lists, %d feeds; want 2, 2", lists.Load(), w.Feeds())
	}
	// labels.Nothing() selects nothing and asks nobody.
	if got := podNames(t, w, "shop", labels.Nothing()); len(got) != 0 || lists.Load() != 2 {
		t.Errorf("labels.Nothing(): %v after %d lists", got, lists.Load())
	}
}

// TestWatchingRelistsWhenTheHistoryIsGone: a watch that fails with 410 Gone (the server
// compacted, or restarted) makes the feed list again and pick up what changed.
func TestWatchingRelistsWhenTheHistoryIsGone(t *testing.T) {
	w, dyn, lists := fakeWatching(t, pod("shop", "web-1", nil))
	var watches atomic.Int32
	dyn.PrependWatchReactor("pods", func(k8stesting.Action) (bool, watch.Interface, error) {
		if watches.Add(1) == 1 {
			fw := watch.NewFake()
			go fw.Error(&apierrors.NewResourceExpired("too old resource version").ErrStatus)
			return true, fw, nil
		}
		return false, nil, nil
	})
	if got := podNames(t, w, "shop", nil); len(got) != 1 {
		t.Fatalf("first read: %v", got)
	}
	// Between the failed watch and the relist, a pod appears (no event for it is sent).
	if err := dyn.Tracker().Add(pod("shop", "web-2", nil)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for lists.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if lists.Load() < 2 {
		t.Fatal("the feed did not list again after 410")
	}
	waitChanged(t, w)
	if got := podNames(t, w, "shop", nil); len(got) != 2 {
		t.Errorf("after the relist: %v", got)
	}
}

// TestWatchingFallsBackToLive: a read whose LIST is refused goes to the live Source,
// which reports it as every command does (here: Forbidden, the PermissionDenied case).
func TestWatchingFallsBackToLive(t *testing.T) {
	w, dyn, _ := fakeWatching(t)
	dyn.PrependReactor("list", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(podsGVR.GroupResource(), "", nil)
	})
	_, client := fakeLive()
	client.PrependReactor("list", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(podsGVR.GroupResource(), "", nil)
	})
	w.Source = newLiveFromClient(client)
	_, err := List[corev1.Pod](context.Background(), w, "shop", nil)
	var re *ReadError
	if !errors.As(err, &re) || !re.IsForbidden() || re.Verb != "list" || re.Resource != "pods" {
		t.Fatalf("want a Forbidden ReadError for list pods, got %v", err)
	}
	if w.Feeds() != 0 {
		t.Errorf("a failed feed must not stay: %d feeds", w.Feeds())
	}
}

// TestWatchingPollsWithoutWatchPermission: a reader who may list but not watch (the
// ClusterRole of docs/rbac.yaml) still sees changes, by listing again.
func TestWatchingPollsWithoutWatchPermission(t *testing.T) {
	defer func(d time.Duration) { pollInterval = d }(pollInterval)
	pollInterval = 20 * time.Millisecond
	w, dyn, lists := fakeWatching(t, pod("shop", "web-1", nil))
	dyn.PrependWatchReactor("pods", func(k8stesting.Action) (bool, watch.Interface, error) {
		return true, nil, apierrors.NewForbidden(podsGVR.GroupResource(), "", nil)
	})
	if got := podNames(t, w, "shop", nil); len(got) != 1 {
		t.Fatalf("first read: %v", got)
	}
	if err := dyn.Tracker().Add(pod("shop", "web-2", nil)); err != nil {
		t.Fatal(err)
	}
	waitChanged(t, w)
	if got := podNames(t, w, "shop", nil); len(got) != 2 {
		t.Errorf("after a poll: %v", got)
	}
	if lists.Load() < 2 {
		t.Errorf("%d lists: polling lists again", lists.Load())
	}
}
